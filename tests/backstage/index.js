'use strict';

// Minimal Backstage backend used by catalint's integration tests: the catalog
// plugin plus the module that teaches it the scaffolder `Template` kind.
// Start with: node index.js --config app-config.yaml

const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(require('@backstage/plugin-catalog-backend'));
backend.add(
  require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.start().catch(error => {
  console.error('catalint test backend failed to start:', error);
  process.exit(1);
});
