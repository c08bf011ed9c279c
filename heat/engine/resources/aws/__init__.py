"""Resource types with CloudFormation's (AWS::*) names."""
