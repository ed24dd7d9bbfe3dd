#!/usr/bin/env node
/*
 * catalint conformance oracle.
 *
 * Runs Backstage's own validation code (from @backstage/catalog-model and
 * @backstage/plugin-scaffolder-common) over catalog descriptor files, following
 * the steps the catalog backend (plugin-catalog-backend 4.0.5) takes for an
 * entity read from a file, so that Python tests can compare verdicts.
 *
 * stdin:  {"files": ["/abs/a.yaml", ...], "placeholders": "assume" | "none" | "read"}
 * stdout: {"oracle": {...versions}, "files": [{"path", "error", "truncated",
 *          "documents": [{"line", "index", "parse_error", "valid", "kind",
 *          "error"}]}]}
 *
 * Steps per document, in the backend's order:
 *   1. parseAllDocuments(text) with the options catalog-node uses
 *      ({merge: false}); errors -> parse_error; null document -> skipped;
 *      non plain object -> "Expected object at root, got <typeof>".
 *   2. What the parent Location's output collector does with an emitted
 *      entity: envelope validation, then the metadata.annotations object
 *      check, then managed-by-location / managed-by-origin-location.
 *   3. A JSON round trip (the deferred entity is stored as JSON and read back).
 *   4. The orchestrator: envelope, pre-process (placeholders, then location
 *      annotations), policies, entity schema, kind validators (built-in kinds,
 *      then the scaffolder's Template v1beta3), then the relation refs that
 *      BuiltinKindsEntityProcessor and ScaffolderEntitiesProcessor parse.
 * Location targets are not read.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const lodash = require('lodash');
const model = require('@backstage/catalog-model');
const scaffolder = require('@backstage/plugin-scaffolder-common');

const PLACEHOLDER_MODES = new Set(['assume', 'none', 'read']);

// Stand-ins for what a successful placeholder read would produce.
const ASSUMED_PLACEHOLDER_VALUES = {
  text: () => 'placeholder',
  json: () => ({}),
  yaml: () => ({}),
};

/**
 * What PlaceholderProcessor's resolvers make of a target's text (plugin-catalog-backend
 * 4.0.5): $text as is, $json through JSON.parse, $yaml as exactly one YAML document.
 */
const READ_PLACEHOLDER_VALUES = {
  text: content => content,
  json: (content, value) => {
    try {
      return JSON.parse(content);
    } catch (e) {
      throw new Error(`Placeholder $json failed to parse JSON data at ${value}, ${e}`);
    }
  },
  yaml: (content, value) => {
    let documents;
    try {
      documents = YAML.parseAllDocuments(content, { merge: false }).filter(d => d);
    } catch (e) {
      throw new Error(`Placeholder $yaml failed to parse YAML data at ${value}, ${e}`);
    }
    if (documents.length !== 1) {
      throw new Error(
        `Placeholder $yaml expected to find exactly one document of data at ${value}, found ${documents.length}`,
      );
    }
    if (documents[0].errors?.length) {
      throw new Error(`Placeholder $yaml found an error in the data at ${value}, ${documents[0].errors[0]}`);
    }
    return documents[0].toJSON();
  },
};

/** Reads a relative placeholder target next to the descriptor, as a file location's reader would. */
function readerFor(filePath) {
  return (key, value) => {
    let content;
    try {
      content = fs.readFileSync(path.resolve(path.dirname(filePath), value)).toString('utf-8');
    } catch (e) {
      throw new Error(`Placeholder $${key} could not read location ${value}, ${e}`);
    }
    return READ_PLACEHOLDER_VALUES[key](content, value);
  };
}

const validateEnvelope = model.entityEnvelopeSchemaValidator();
const validateEntitySchema = model.entitySchemaValidator();

const entityPolicy = model.EntityPolicies.allOf([
  new model.SchemaValidEntityPolicy(),
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(model.makeValidator()),
]);

// Processors that implement validateEntityKind, in the order the catalog
// builder registers them (built-in kinds first, scaffolder module after).
const kindProcessors = [
  {
    name: 'BuiltinKindsEntityProcessor',
    validators: [
      model.apiEntityV1alpha1Validator,
      model.componentEntityV1alpha1Validator,
      model.resourceEntityV1alpha1Validator,
      model.groupEntityV1alpha1Validator,
      model.locationEntityV1alpha1Validator,
      model.userEntityV1alpha1Validator,
      model.systemEntityV1alpha1Validator,
      model.domainEntityV1alpha1Validator,
    ],
  },
  {
    name: 'ScaffolderEntitiesProcessor',
    validators: [scaffolder.templateEntityV1beta3Validator],
  },
];

// Relation fields per kind: [spec field, default kind or undefined].
const BUILTIN_RELATION_FIELDS = {
  Component: [
    ['owner', 'Group'],
    ['subcomponentOf', 'Component'],
    ['providesApis', 'API'],
    ['consumesApis', 'API'],
    ['dependsOn', undefined],
    ['dependencyOf', undefined],
    ['system', 'System'],
  ],
  API: [
    ['owner', 'Group'],
    ['system', 'System'],
  ],
  Resource: [
    ['owner', 'Group'],
    ['dependsOn', undefined],
    ['dependencyOf', undefined],
    ['system', 'System'],
  ],
  User: [['memberOf', 'Group']],
  Group: [
    ['parent', 'Group'],
    ['children', 'Group'],
    ['members', 'User'],
  ],
  System: [
    ['owner', 'Group'],
    ['domain', 'Domain'],
  ],
  Domain: [
    ['owner', 'Group'],
    ['subdomainOf', 'Domain'],
  ],
};

/** Formats an error the way @backstage/errors' CustomErrorBase nests causes. */
function caused(message, cause) {
  return `${message}; caused by ${String(cause)}`;
}

class EntityFailure extends Error {}

function fail(message) {
  throw new EntityFailure(message);
}

/** 1-based line number of a character offset. */
function makeLineOf(text) {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    starts.push(i + 1);
  }
  return offset => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Pre-process step of PlaceholderProcessor. Mirrors its traversal: objects with no `$` key are
 * descended, objects with a `$` key and other keys are left alone, a single-key object with a
 * known resolver is replaced by `resolve(key, value)`, an unknown resolver is left alone.
 */
function applyPlaceholders(data, resolve) {
  if (!data || !(data instanceof Object)) {
    return data;
  }
  if (Array.isArray(data)) {
    return data.map(item => applyPlaceholders(item, resolve));
  }
  const keys = Object.keys(data);
  if (!keys.some(k => k.startsWith('$'))) {
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, applyPlaceholders(v, resolve)]),
    );
  }
  if (keys.length !== 1) {
    return data;
  }
  const key = keys[0].substring(1);
  if (!Object.prototype.hasOwnProperty.call(ASSUMED_PLACEHOLDER_VALUES, key)) {
    return data;
  }
  if (typeof data[keys[0]] !== 'string') {
    throw new Error(
      `Placeholder $${key} expected a string value parameter, in the form of an absolute URL or a relative path`,
    );
  }
  return resolve(key, data[keys[0]]);
}

/**
 * Everything after YAML parsing for one plain-object document. Returns null
 * when the entity is accepted, or throws EntityFailure with the message.
 */
async function checkEntity(raw, locationRef, placeholders, filePath) {
  // -- Output collector of the parent location (entity emitted by a read).
  let emitted;
  try {
    emitted = validateEnvelope(raw);
  } catch (e) {
    fail(String(e));
  }
  const annotations = emitted.metadata.annotations || {};
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    fail('metadata.annotations must be a valid object');
  }
  emitted = {
    ...emitted,
    metadata: {
      ...emitted.metadata,
      annotations: {
        ...annotations,
        [model.ANNOTATION_ORIGIN_LOCATION]: locationRef,
        [model.ANNOTATION_LOCATION]: locationRef,
      },
    },
  };

  // -- Stored as JSON, read back for its own processing round.
  let entity = JSON.parse(JSON.stringify(emitted));

  // -- Orchestrator.
  try {
    validateEnvelope(entity);
  } catch (e) {
    fail(caused('Entity envelope failed validation before processing', e));
  }
  const entityRef = model.stringifyEntityRef(entity);

  if (placeholders !== 'none') {
    const resolve =
      placeholders === 'read' ? readerFor(filePath) : key => ASSUMED_PLACEHOLDER_VALUES[key]();
    try {
      entity = applyPlaceholders(entity, resolve);
    } catch (e) {
      fail(
        caused(
          'Processor PlaceholderProcessor threw an error while preprocessing',
          e,
        ),
      );
    }
  }

  // AnnotateLocationEntityProcessor (a file location adds only these two).
  entity = lodash.merge(
    {
      metadata: {
        annotations: {
          [model.ANNOTATION_LOCATION]: locationRef,
          [model.ANNOTATION_ORIGIN_LOCATION]: locationRef,
        },
      },
    },
    entity,
  );

  let enforced;
  try {
    enforced = await entityPolicy.enforce(entity);
  } catch (e) {
    fail(caused(`Policy check failed for ${model.stringifyEntityRef(entity)}`, e));
  }
  if (!enforced) {
    fail(`Policy unexpectedly returned no data for ${model.stringifyEntityRef(entity)}`);
  }
  entity = enforced;

  if (model.stringifyEntityRef(entity) !== entityRef) {
    fail('Fatal: The entity kind, namespace, or name changed during processing');
  }
  try {
    validateEntitySchema(entity);
  } catch (e) {
    fail(
      caused(
        `Entity envelope for ${entityRef} failed validation after preprocessing`,
        e,
      ),
    );
  }

  let claimed = false;
  for (const processor of kindProcessors) {
    try {
      for (const validator of processor.validators) {
        if (await validator.check(entity)) {
          claimed = true;
          break;
        }
      }
    } catch (e) {
      fail(
        caused(
          `Processor ${processor.name} threw an error while validating the entity ${entityRef}`,
          e,
        ),
      );
    }
  }
  if (!claimed) {
    fail(
      `No processor recognized the entity ${entityRef} as valid, possibly caused by a foreign kind or apiVersion`,
    );
  }

  // -- Post-process: relation refs.
  const selfNamespace = model.getCompoundEntityRef(entity).namespace;
  const fields = BUILTIN_RELATION_FIELDS[entity.kind];
  if (fields) {
    try {
      for (const [field, defaultKind] of fields) {
        const targets = entity.spec[field];
        if (!targets) continue;
        for (const target of [targets].flat()) {
          model.parseEntityRef(target, {
            defaultKind,
            defaultNamespace: selfNamespace,
          });
        }
      }
    } catch (e) {
      fail(
        caused(
          'Processor BuiltinKindsEntityProcessor threw an error while postprocessing',
          e,
        ),
      );
    }
  }
  if (
    entity.apiVersion === 'scaffolder.backstage.io/v1beta3' &&
    entity.kind === 'Template' &&
    entity.spec.owner
  ) {
    try {
      model.parseEntityRef(entity.spec.owner, {
        defaultKind: 'Group',
        defaultNamespace: selfNamespace,
      });
    } catch (e) {
      fail(
        caused(
          'Processor ScaffolderEntitiesProcessor threw an error while postprocessing',
          e,
        ),
      );
    }
  }
  return null;
}

async function checkFile(filePath, placeholders) {
  const result = { path: filePath, error: null, truncated: false, documents: [] };
  let text;
  try {
    text = fs.readFileSync(filePath).toString('utf8');
  } catch (e) {
    result.error = String(e);
    return result;
  }
  const locationRef = `file:${path.normalize(filePath)}`;
  const lineOf = makeLineOf(text);

  let documents;
  try {
    documents = YAML.parseAllDocuments(text, { merge: false });
  } catch (e) {
    result.documents.push({
      line: 1,
      index: 0,
      parse_error: true,
      valid: false,
      kind: null,
      error: `Failed to parse YAML at ${locationRef}, ${e}`,
    });
    return result;
  }

  for (let index = 0; index < documents.length; index += 1) {
    const doc = documents[index];
    const start = doc.contents ? doc.contents.range[0] : doc.range[0];
    const verdict = {
      line: lineOf(start),
      index,
      parse_error: false,
      valid: false,
      kind: null,
      error: null,
    };
    if (doc.errors && doc.errors.length) {
      verdict.parse_error = true;
      verdict.error = `YAML error at ${locationRef}, ${doc.errors[0]}`;
      result.documents.push(verdict);
      continue;
    }
    let json;
    try {
      json = doc.toJSON();
    } catch (e) {
      // Thrown out of the parser generator: the reader reports it for the
      // whole location and never sees the remaining documents.
      verdict.parse_error = true;
      verdict.error = `Unable to read file, ${e && e.message}`;
      result.documents.push(verdict);
      result.truncated = true;
      break;
    }
    if (json === null) {
      continue;
    }
    if (!lodash.isPlainObject(json)) {
      verdict.error = `Expected object at root, got ${typeof json}`;
      result.documents.push(verdict);
      continue;
    }
    verdict.kind = typeof json.kind === 'string' ? json.kind : null;
    try {
      await checkEntity(json, locationRef, placeholders, filePath);
      verdict.valid = true;
    } catch (e) {
      if (!(e instanceof EntityFailure)) {
        // An unexpected crash of Backstage code is still a rejection.
        verdict.error = `Unexpected error: ${e && e.stack ? e.stack : e}`;
      } else {
        verdict.error = e.message;
      }
    }
    result.documents.push(verdict);
  }
  return result;
}

function versionOf(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return null;
  }
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  if (!input || !Array.isArray(input.files)) {
    throw new Error('input must be a JSON object with a "files" array');
  }
  const placeholders = input.placeholders === undefined ? 'assume' : input.placeholders;
  if (!PLACEHOLDER_MODES.has(placeholders)) {
    throw new Error(`unknown placeholders mode ${JSON.stringify(placeholders)}`);
  }
  const files = [];
  for (const file of input.files) {
    files.push(await checkFile(String(file), placeholders));
  }
  const output = {
    oracle: {
      node: process.version,
      '@backstage/catalog-model': versionOf('@backstage/catalog-model'),
      '@backstage/plugin-scaffolder-common': versionOf(
        '@backstage/plugin-scaffolder-common',
      ),
      yaml: versionOf('yaml'),
    },
    files,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch(e => {
  process.stderr.write(`oracle failed: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 2;
});
