import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { acceptNagFindings } from './nag';
import { stackSingleton } from './stack-scoped';

/** The construct ID of the lock table under its stack; part of the library's contract. */
const ID = 'CpuFirstLineSupportIncidentLocks';

/**
 * The stack's one incident-lock table, created on first use and shared by every
 * `CpuFirstLineSupport` in it.
 *
 * Each item is the lock of one instance: `instanceId` (the key), `holder` (the execution ARN)
 * and `leaseUntil` (epoch seconds). An execution takes the lock with a conditional `PutItem`
 * (no item, an expired lease, or its own) and releases it with a conditional `DeleteItem`. The
 * lease is the execution timeout, so the lock of an execution that died lapses; expired items
 * are also removed by the table's time to live.
 */
export function incidentLocks(scope: Construct): dynamodb.ITable {
  return stackSingleton(scope, ID, newIncidentLocks);
}

function newIncidentLocks(stack: Stack, id: string): dynamodb.Table {
  const table = new dynamodb.Table(stack, id, {
    partitionKey: { name: 'instanceId', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'leaseUntil',
    // A lock is worth nothing once its execution ended: nothing to keep.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acceptNagFindings(table, [{
    id: 'AwsSolutions-DDB3',
    reason: 'The table holds only short-lived incident locks; restoring an old lock would be wrong, and a lost lock lapses by design.',
  }]);
  return table;
}
