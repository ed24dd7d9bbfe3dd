"""Resolution of what descriptors point at: placeholders, Location targets, TechDocs folders."""
