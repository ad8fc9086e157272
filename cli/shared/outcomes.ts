/**
 * What the CLI reads of the workflow, from the modules the workflow and the handlers share:
 * neither imports aws-cdk-lib, so the CLI bundle stays free of it.
 */
export { OUTCOMES } from '../../src/contract';
export { PAUSE_TAG_KEY } from '../../lambda/shared/instance-address';
