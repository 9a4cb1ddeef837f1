"""Room operations: domain logic in plain functions (no request), one module per concern.

Other code imports them through `londonhub.tenants.rooms.services`, the public face."""
