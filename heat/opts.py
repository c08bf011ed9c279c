"""Every configuration option Heat has, for oslo-config-generator and for `heat-manage`.

Options are declared in the module that uses them; this module only gathers them. Add a
module here when it declares options of its own.
"""

import importlib
import itertools

# (config group, module declaring `OPTS` for it); group None is [DEFAULT].
_OPT_MODULES = [
    (None, "heat.engine.template_format"),
    (None, "heat.localcloud.settings"),
    (None, "heat.engine.userdata"),
    (None, "heat.common.paths"),
    (None, "heat.common.crypt"),
    ("database", "heat.db.session"),
    ("database", "heat.db.events"),
    (None, "heat.engine.scheduler"),
    (None, "heat.engine.service"),
]


def _collect():
    groups: dict = {}
    for group, module_name in _OPT_MODULES:
        module = importlib.import_module(module_name)
        groups.setdefault(group, []).append(module.OPTS)
    return groups


def list_opts():
    """[(group, [opts])] as oslo-config-generator expects."""
    return [(group, list(itertools.chain(*opt_lists))) for group, opt_lists in _collect().items()]


def register_all(conf):
    """Register every option on `conf` (a cfg.ConfigOpts), e.g. before parsing a config file."""
    for group, opts in list_opts():
        conf.register_opts(opts, group=group)
