/**
 * schemas/dclrun.schema.json, generated from the field table (src/shared/configFields.ts) so its fields,
 * choices, defaults and limits are the ones every other route checks. `node scripts/generate-schema.mjs`
 * writes RUN_CONFIG_SCHEMA_TEXT to the file; test/host/manifest.test.ts fails when the two differ.
 */
import { CONFIG_FIELDS, CONFIG_GROUPS, CONFIG_PATHS, groupOf, type ConfigField, type FieldRule } from './configFields';
import { FOLDER_DATASETS } from './protocol';

type Json = Record<string, unknown>;

function ruleSchema(rule: FieldRule): Json {
  switch (rule.type) {
    case 'number':
      return {
        type: rule.integer ? 'integer' : 'number',
        [rule.exclusiveMin ? 'exclusiveMinimum' : 'minimum']: rule.min,
        maximum: rule.max,
      };
    case 'choice':
      return { type: 'string', enum: [...rule.values], ...(rule.descriptions ? { enumDescriptions: rule.values.map((v) => rule.descriptions![v]) } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string', ...(rule.minLength ? { minLength: rule.minLength } : {}), maxLength: rule.maxLength };
    case 'list':
      return { type: 'array', items: ruleSchema(rule.item), minItems: rule.minItems, maxItems: rule.maxItems, ...(rule.unique ? { uniqueItems: true } : {}) };
  }
}

function fieldSchema(field: ConfigField): Json {
  return {
    ...ruleSchema(field.rule),
    // A required field has no default in a file: leaving it out is the mistake the schema points at.
    ...(field.default !== undefined && !field.requiredInFile ? { default: field.default } : {}),
    description: field.description,
  };
}

export function runConfigSchema(): Json {
  const properties: Json = { $schema: { type: 'string', description: 'Link to this schema (ignored by the trainer).' } };
  for (const path of CONFIG_PATHS) {
    const group = groupOf(path) as keyof typeof CONFIG_GROUPS | undefined;
    if (group === undefined) {
      properties[path] = fieldSchema(CONFIG_FIELDS[path]);
      continue;
    }
    properties[group] ??= { type: 'object', additionalProperties: false, description: CONFIG_GROUPS[group], properties: {} };
    ((properties[group] as Json).properties as Json)[path.slice(group.length + 1)] = fieldSchema(CONFIG_FIELDS[path]);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://dcl-explorer.invalid/schemas/dclrun.schema.json',
    title: 'DCL Explorer run config',
    description:
      'A contrastive-learning run for DCL Explorer. Only "loss" is required; every other field defaults to the dclExplorer.* settings or the built-in defaults. Start it with "DCL: Start DCL run from config…". Relative paths start at the workspace folder. Numeric limits are what float32 training can use. Generated from src/shared/configFields.ts.',
    type: 'object',
    additionalProperties: false,
    required: CONFIG_PATHS.filter((p) => CONFIG_FIELDS[p].requiredInFile),
    properties,
    if: { properties: { dataset: { enum: [...FOLDER_DATASETS] } }, required: ['dataset'] },
    then: { required: ['dataDir'] },
  };
}

/** The file's exact text. */
export const RUN_CONFIG_SCHEMA_TEXT = `${JSON.stringify(runConfigSchema(), null, 2)}\n`;
