"""OS::Nova::* resource types."""
