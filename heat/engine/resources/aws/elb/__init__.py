"""AWS::ElasticLoadBalancing::* resource types."""
