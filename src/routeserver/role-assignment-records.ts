/**
 * Role assignments made through the API (`Microsoft.Authorization/roleAssignments`),
 * in the store, so that every API process sharing it authorizes the same way
 * and an assignment outlives a restart (docs/identity.md). One record per
 * assignment, its id the assignment's ARM id
 * (`{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`), its
 * body the assignment as below (plain data; the API checks it before it is
 * written and shapes it for the wire).
 */
import { isStoreError, type ResourceStore } from '../store/index.js';

const ROLE_ASSIGNMENT_TYPE = 'Microsoft.Authorization/roleAssignments';

export interface RoleAssignmentRecord {
  /** the assignment's GUID, the last segment of its id */
  readonly name: string;
  /** `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{name}` */
  readonly scope: string;
  /** the role definition's GUID */
  readonly roleDefinitionName: string;
  readonly principalId: string;
  readonly principalType: string;
  readonly description?: string;
  /** ISO 8601 */
  readonly createdOn: string;
  /** object id of the caller that made it (the local owner: empty) */
  readonly createdBy: string;
}

const roleAssignmentId = (scope: string, name: string) =>
  `${scope}/providers/${ROLE_ASSIGNMENT_TYPE}/${name}`;

export class RoleAssignmentRecords {
  constructor(private readonly store: ResourceStore) {}

  /** Every stored assignment, in id order. */
  async list(): Promise<RoleAssignmentRecord[]> {
    const records: RoleAssignmentRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.list({
        type: ROLE_ASSIGNMENT_TYPE,
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const record of page.records) records.push(record.body as RoleAssignmentRecord);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return records;
  }

  async get(scope: string, name: string): Promise<RoleAssignmentRecord | undefined> {
    const record = await this.store.get(roleAssignmentId(scope, name)).catch((error: unknown) => {
      // an id the store cannot hold names no stored assignment
      if (isStoreError(error) && error.code === 'BGPRS_ERR_STORE_INVALID_ID') return undefined;
      throw error;
    });
    return record?.body as RoleAssignmentRecord | undefined;
  }

  /** Writes a new assignment; false (and nothing written) when one with its id exists already. */
  async create(assignment: RoleAssignmentRecord): Promise<boolean> {
    try {
      await this.store.put(
        {
          id: roleAssignmentId(assignment.scope, assignment.name),
          type: ROLE_ASSIGNMENT_TYPE,
          name: assignment.name,
          body: assignment,
        },
        { mustNotExist: true },
      );
      return true;
    } catch (error) {
      if (isStoreError(error) && error.code === 'BGPRS_ERR_STORE_ALREADY_EXISTS') return false;
      throw error;
    }
  }

  /** The deleted assignment, or undefined when there was none. */
  async delete(scope: string, name: string): Promise<RoleAssignmentRecord | undefined> {
    const deleted = await this.store.delete(roleAssignmentId(scope, name));
    return deleted?.body as RoleAssignmentRecord | undefined;
  }
}
