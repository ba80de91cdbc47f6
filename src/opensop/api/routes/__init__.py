"""Routes per resource; each calls one service and maps its result to a *Read schema."""
