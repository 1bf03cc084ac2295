"""GraphQL: the schema assembled from each feature's gql.py, the thin /graphql view, limits, loaders, connections."""
