"""Use cases: the only layer that touches both the planning core and the store; owns transactions and audit."""
