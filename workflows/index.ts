/** Every workflow the worker registers (the bundle entry point). One workflow per file. */
export { employeeLifecycleWorkflow } from './employee-lifecycle';
export { resyncCompanyWorkflow } from './resync-company';
