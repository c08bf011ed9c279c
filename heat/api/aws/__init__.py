"""What every AWS Query API of Heat shares: signatures, the XML documents, errors, parameters."""
