"""The CloudWatch Query API (heat-api-cloudwatch): metric data and alarms."""
