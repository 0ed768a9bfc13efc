/** The API's resources as the contract declares them (client/api-types.ts, from /openapi.json). */
import type { Schemas } from '../../../client/api-client.ts';

export type Guest = Schemas['Guest'];
export type GuestSnapshot = Schemas['GuestSnapshot'];
export type Operation = Schemas['Operation'];
export type Policy = Schemas['Policy'];
export type PolicySpec = Schemas['PolicyInput'];
export type Retention = Schemas['Retention'];
export type Run = Schemas['Run'];
export type RunWithResults = Schemas['RunWithResults'];
export type Subscription = Schemas['Subscription'];
export type Backup = Schemas['Backup'];
export type RestoreTestRun = Schemas['RestoreTestRun'];
export type RestoreTestItem = Schemas['RestoreTestItem'];
export type Storage = Schemas['Storage'];
export type Usage = Schemas['Usage'];
