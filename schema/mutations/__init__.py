"""The root Mutation's fields, one module per area of the graph they change."""
