/**
 * The lifecycle workflow imports these modules, and workflow code must not load zod (or anything with I/O) at run
 * time. Loading them with zod made unloadable proves every zod import in them is type-only.
 */
const workflowSafeModules = [
  '../../domain/graph-mapping',
  '../../domain/graph-diff',
  '../../domain/graph-user',
  '../../domain/company-time',
  '../../domain/creation-eligibility',
  '../../domain/mail-nickname',
  '../../domain/validation-issues',
];

describe('workflow-safe domain modules', () => {
  it.each(workflowSafeModules)('%s loads without zod', (modulePath) => {
    jest.isolateModules(() => {
      jest.doMock('zod', () => {
        throw new Error('zod was loaded at run time');
      });
      expect(() => jest.requireActual<object>(modulePath)).not.toThrow();
    });
  });

  it('the zod-made-unloadable check does catch a module that uses zod at run time', () => {
    jest.isolateModules(() => {
      jest.doMock('zod', () => {
        throw new Error('zod was loaded at run time');
      });
      expect(() => jest.requireActual<object>('../../domain/hr-employee')).toThrow('zod was loaded at run time');
    });
  });
});
