/**
 * One file for the per-construct template tests: each case file under constructs/ tests one
 * wiring construct, and importing them here loads aws-cdk-lib once (about 15 s on two cores)
 * instead of once per construct.
 */
import './constructs/console-site.cases.ts';
import './constructs/daily-sweep.cases.ts';
import './constructs/ended-executions.cases.ts';
import './constructs/nag-acknowledgements.cases.ts';
import './constructs/notification-pipeline.cases.ts';
import './constructs/operational-alarms.cases.ts';
import './constructs/policy-schedules.cases.ts';
import './constructs/proxmox-connector.cases.ts';
import './constructs/service-api.cases.ts';
import './constructs/wiring.cases.ts';
import './constructs/workflow-steps.cases.ts';
