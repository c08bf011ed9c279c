"""AWS::AutoScaling::* resource types."""
