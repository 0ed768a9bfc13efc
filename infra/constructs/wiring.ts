import { App, type CfnElement, Names, Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/**
 * A construct that groups what it wires (one purpose: the API, the notification pipeline, ...)
 * without adding its id to the logical ids of what it holds. Grouping resources differently
 * then never renames them, and CloudFormation never replaces them (new API URLs, new state
 * machine ARNs the policy schedules would still point at) just because the code was reorganised.
 */
export class Wiring extends Construct {}

/** A stack whose logical ids ignore `Wiring` constructs on the path; everything else as in `Stack`. */
export class WiredStack extends Stack {
  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes.filter((scope) => !(scope instanceof Wiring));
    // The default allocation reads only `node.scopes` and `stack`; hand it the path without wirings.
    const withoutWirings = Object.create(element, { node: { value: { scopes } } });
    return super.allocateLogicalId(withoutWirings);
  }
}

/**
 * `Names.nodeUniqueId` as if no `Wiring` were on the construct's path. Some constructs derive a
 * child's id from another construct's path (an SQS event source names its mapping after the
 * queue); this keeps such ids, and so their logical ids, independent of the grouping too.
 */
export function uniqueIdOutsideWirings(construct: IConstruct): string {
  const ids = construct.node.scopes
    .slice(1)
    .filter((scope) => !(scope instanceof Wiring))
    .map((scope) => scope.node.id);
  // The same path rebuilt in a throwaway tree (never synthesized) lets CDK's own algorithm name it.
  let twin: Construct = new App({ autoSynth: false });
  for (const id of ids) twin = new Construct(twin, id);
  return Names.nodeUniqueId(twin.node);
}
