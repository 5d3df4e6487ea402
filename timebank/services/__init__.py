"""The domain layer: rules, permissions and state changes. Services take an explicit
actor, raise ``DomainError`` subclasses, and flush; the caller commits once."""
