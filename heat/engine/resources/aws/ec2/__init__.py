"""AWS::EC2::* resource types."""
