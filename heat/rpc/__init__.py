"""The engine's operations as oslo.messaging RPC: EngineClient (APIs) and EngineServer."""
