import { ConfigError, parseConfig } from '../../domain/config';

describe('parseConfig', () => {
  it('fills the documented defaults on an empty environment', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      PUBLIC_URL: 'http://localhost:3000',
      DATA_DIR: './.joiner',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'joiner',
      TEMPORAL_UI_PORT: 8233,
      TEMPORAL_UI_URL: 'http://localhost:8233',
      ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      GRAPH_BASE_URL: 'https://graph.microsoft.com',
      LOG_LEVEL: 'info',
      GRAPH_WRITES_PER_SECOND: 20,
      GRAPH_WRITE_WINDOW_SECONDS: 150,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('derives PUBLIC_URL from PORT and treats empty values as unset', () => {
    const config = parseConfig({ PORT: '8080', DATABASE_URL: '', ENTRA_TENANT_ID: '  ' });
    expect(config.PUBLIC_URL).toBe('http://localhost:8080');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.ENTRA_TENANT_ID).toBeUndefined();
  });

  it('links into the UI on TEMPORAL_UI_PORT unless TEMPORAL_UI_URL names another one', () => {
    expect(parseConfig({ TEMPORAL_UI_PORT: '18233' }).TEMPORAL_UI_URL).toBe('http://localhost:18233');
    expect(
      parseConfig({ TEMPORAL_UI_PORT: '18233', TEMPORAL_UI_URL: 'https://temporal.example.com/' }).TEMPORAL_UI_URL,
    ).toBe('https://temporal.example.com');
  });

  it.each([
    ['PORT', 'abc', /PORT: must be a number/],
    ['TEMPORAL_UI_PORT', 'ui', /TEMPORAL_UI_PORT: must be a number/],
    ['TEMPORAL_UI_PORT', '0', /TEMPORAL_UI_PORT: /],
    ['TEMPORAL_UI_URL', 'temporal.example.com', /TEMPORAL_UI_URL: must be an http\(s\) URL/],
    ['PORT', '70000', /PORT: /],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: must be a postgres/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS: must be host:port/],
    ['GRAPH_BASE_URL', 'ftp://graph', /GRAPH_BASE_URL: must be an http\(s\) URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: /],
    ['GRAPH_WRITES_PER_SECOND', 'fast', /GRAPH_WRITES_PER_SECOND: must be a number/],
    ['GRAPH_WRITES_PER_SECOND', '0', /GRAPH_WRITES_PER_SECOND: must be a number of writes per second above 0/],
    ['GRAPH_WRITES_PER_SECOND', '-5', /GRAPH_WRITES_PER_SECOND: /],
    ['GRAPH_WRITE_WINDOW_SECONDS', '2.5', /GRAPH_WRITE_WINDOW_SECONDS: must be a whole number of seconds/],
    ['GRAPH_WRITE_WINDOW_SECONDS', '0', /GRAPH_WRITE_WINDOW_SECONDS: must be at least 1 second/],
  ])('rejects %s=%s with a message naming the variable', (name, value, message) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(message);
  });

  it('takes a fractional Graph write rate, for a budget shared with other apps', () => {
    expect(parseConfig({ GRAPH_WRITES_PER_SECOND: '2.5' }).GRAPH_WRITES_PER_SECOND).toBe(2.5);
  });

  it('requires the client secret when a real Entra app is configured', () => {
    expect(() => parseConfig({ ENTRA_CLIENT_ID: 'app' })).toThrow(/ENTRA_CLIENT_SECRET: is required/);
  });

  it('reports every bad variable at once', () => {
    try {
      parseConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });
});
