"""The alarms of one stack, as AWS::CloudWatch::Alarm resources manage them."""

from __future__ import annotations

from heat.engine.watch.operations import alarm_values


class StackAlarms:
    """Create, change and delete the alarm rows that a stack's resources own."""

    def __init__(self, db, project_id: str, stack_id: str):
        self.db = db
        self.project_id = project_id
        self.stack_id = stack_id

    def create(self, name: str, resource_name: str, spec: dict) -> dict:
        """A new alarm from a PutMetricAlarm-style `spec` (InvalidInput if it is wrong)."""
        return self.db.alarms.create(
            self.project_id,
            name,
            alarm_values(spec),
            stack_id=self.stack_id,
            resource_name=resource_name,
        )

    def configure(self, name: str, spec: dict) -> bool:
        return self.db.alarms.configure(self.project_id, name, alarm_values(spec))

    def get(self, name: str) -> dict | None:
        return self.db.alarms.get(self.project_id, name)

    def delete(self, name: str) -> bool:
        return self.db.alarms.delete(self.project_id, [name]) == 1
