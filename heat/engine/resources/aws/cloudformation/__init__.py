"""AWS::CloudFormation::* resource types."""
