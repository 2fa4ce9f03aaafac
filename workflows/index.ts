/** Every workflow the worker registers (the bundle entry point). One workflow per file. */
export { accountLifecycleWorkflow } from './account-lifecycle';
export { employeeLifecycleWorkflow } from './employee-lifecycle';
export { resyncCompanyWorkflow } from './resync-company';
export { antiEntropyWorkflow } from './anti-entropy';
export { hrEventHousekeepingWorkflow } from './hr-event-housekeeping';
