"""AWS::RDS::* resource types."""
