"""What the CFN actions work with: the engine client, the stores, the template fetcher."""

from __future__ import annotations

from dataclasses import dataclass

from heat.api.cfn.template_source import TemplateFetcher
from heat.engine.parameters import StackIdentity

PAGE_SIZE = 100


@dataclass
class CfnService:
    """The dependencies of every action handler.

    `engine` has EngineService's methods (an RPC EngineClient, or the service itself);
    `db` is only read, for exports (change sets and stacks are the engine's).
    """

    engine: object
    db: object
    fetcher: TemplateFetcher
    region: str = "RegionOne"
    page_size: int = PAGE_SIZE

    def arn(self, project_id: str, name: str, stack_id: str) -> str:
        """A stack's StackId: the ARN its templates see as AWS::StackId."""
        return StackIdentity(project_id, name, stack_id, self.region).arn()


def stack_ref(value: str) -> str:
    """What the engine looks a stack up by: a name, an id, or the id inside a stack ARN."""
    if value.startswith("arn:"):
        resource = value.split(":", 5)[-1]
        kind, _, rest = resource.partition("/")
        if kind in ("stacks", "stack") and rest:
            return rest.rsplit("/", 1)[-1]
    return value
