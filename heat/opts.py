"""Every configuration option Heat has, for oslo-config-generator and for `heat-manage`.

Options are declared in the module that uses them; this module only gathers them. Add a
module here when it declares options of its own.
"""

import importlib
import itertools
import warnings

# oslo.messaging pulls in oslo.service's eventlet backend, which warns on import; Heat does
# not use eventlet, and the warning would land on every command's stderr.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

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
    (None, "heat.engine.watch.operations"),
    (None, "heat.api.middleware.auth"),
    (None, "heat.engine.clients.stack_domain"),
    (None, "heat.rpc.transport"),
    ("heat_api", "heat.cmd.api"),
    ("cloud", "heat.cmd.engine"),
]
# oslo.messaging's own [DEFAULT] options an operator sets for split processes.
_MESSAGING_OPTS = ("transport_url", "control_exchange")


def _collect():
    groups: dict = {}
    for group, module_name in _OPT_MODULES:
        module = importlib.import_module(module_name)
        groups.setdefault(group, []).append(module.OPTS)
    groups[None].append(_messaging_opts())
    return groups


def _messaging_opts():
    from oslo_messaging import opts as messaging_opts

    defaults = dict(messaging_opts.list_opts()).get(None, [])
    return [opt for opt in defaults if opt.name in _MESSAGING_OPTS]


def list_opts():
    """[(group, [opts])] as oslo-config-generator expects."""
    return [(group, list(itertools.chain(*opt_lists))) for group, opt_lists in _collect().items()]


def register_all(conf):
    """Register every option on `conf` (a cfg.ConfigOpts), e.g. before parsing a config file."""
    for group, opts in list_opts():
        conf.register_opts(opts, group=group)
