import { describe, expect, it } from 'vitest';
import type { ModuleInfo } from '../../src-common/change/modules.contract.js';
import { nginxInfo } from '../../src-common/modules/nginx.js';
import { chooseModule, commonStored, initialValues, orderModules, requiredBy, serverIssues, stepIndex, toSettings, unchooseModule, validateForm, WIZARD_STEPS } from './wizard-state.js';

const mod = (id: string, needs: string[] = [], fields: ModuleInfo['fields'] = []): ModuleInfo => ({ id, title: id.toUpperCase(), summary: '', needs, notes: [], fields, defaults: {} });
const infos = [mod('docker'), mod('nginx'), mod('jupyter', ['docker', 'nginx']), mod('ssh')];

describe('steps', () => {
  it('runs hosts → modules → settings → preflight → plan → apply → result', () => {
    expect(WIZARD_STEPS.map((s) => s.id)).toEqual(['hosts', 'modules', 'settings', 'preflight', 'plan', 'apply', 'result']);
    expect(stepIndex('preflight')).toBe(3);
  });
});

describe('module choice', () => {
  it('adds what a module needs, saying why, in the core’s order', () => {
    const r = chooseModule([], 'jupyter', infos);
    expect(r.modules).toEqual(['docker', 'nginx', 'jupyter']);
    expect(r.added).toEqual([
      { id: 'docker', because: 'jupyter' },
      { id: 'nginx', because: 'jupyter' },
    ]);
  });

  it('does not add a need installed on every chosen host', () => {
    expect(chooseModule([], 'jupyter', infos, new Set(['docker'])).modules).toEqual(['nginx', 'jupyter']);
  });

  it('removes what only the unchosen module needed, keeps what the user chose', () => {
    const r = unchooseModule(['docker', 'nginx', 'jupyter'], 'jupyter', infos, { docker: 'jupyter' });
    expect(r.modules).toEqual(['nginx']);
    expect(r.removed).toEqual(['jupyter', 'docker']);
  });

  it('says which chosen modules hold a need in place', () => {
    expect(requiredBy('docker', ['docker', 'jupyter'], infos)).toEqual(['jupyter']);
    expect(requiredBy('ssh', ['ssh', 'jupyter'], infos)).toEqual([]);
  });

  it('survives a cycle of needs', () => {
    const cyclic = [mod('a', ['b']), mod('b', ['a'])];
    expect(chooseModule([], 'a', cyclic).modules).toEqual(['a', 'b']);
    expect(orderModules(['zzz', 'b', 'a'], cyclic)).toEqual(['a', 'b', 'zzz']);
  });
});

describe('settings forms', () => {
  it('starts from the defaults, or from the stored settings (never secrets)', () => {
    expect(initialValues(nginxInfo)).toMatchObject({ serverName: '', tls: 'self-signed', httpPort: '80', httpsPort: '443' });
    expect(initialValues(nginxInfo, { serverName: 'web.lab.test', httpsPort: 8443 })).toMatchObject({ serverName: 'web.lab.test', httpsPort: '8443' });
    const withSecret = mod('x', [], [{ key: 'token', label: 'Token', kind: 'secret' }, { key: 'users', label: 'Users', kind: 'list' }, { key: 'on', label: 'On', kind: 'boolean' }]);
    expect(initialValues(withSecret, { token: 'hunter2', users: ['a', 'b'], on: true })).toEqual({ token: '', users: 'a\nb', on: true });
  });

  it('turns the form into settings: numbers, lists split on lines and commas, booleans', () => {
    const m = mod('x', [], [{ key: 'port', label: 'Port', kind: 'number' }, { key: 'users', label: 'Users', kind: 'list' }, { key: 'on', label: 'On', kind: 'boolean' }, { key: 'name', label: 'Name', kind: 'text' }]);
    expect(toSettings(m, { port: ' 8080 ', users: 'alice\n bob, carol\n\n', on: true, name: ' x ' })).toEqual({ port: 8080, users: ['alice', 'bob', 'carol'], on: true, name: ' x ' });
    // Not a number stays text, for the schema to refuse with its own message.
    expect(toSettings(m, { port: '80; rm -rf /', users: '', on: false, name: '' }).port).toBe('80; rm -rf /');
  });

  it('validates as the core does, the message under the field', () => {
    const values = initialValues(nginxInfo);
    expect(validateForm(nginxInfo, values)).toEqual({ fields: {}, form: [] });
    expect(validateForm(nginxInfo, { ...values, httpsPort: '70000' }).fields.httpsPort).toMatch(/1 to 65535/);
    expect(validateForm(nginxInfo, { ...values, httpsPort: '80' }).fields.httpsPort).toMatch(/different ports/);
    expect(validateForm(nginxInfo, { ...values, serverName: 'bad name;reboot' }).fields.serverName).toMatch(/no spaces|Not a valid domain/);
    expect(validateForm(nginxInfo, { ...values, serverName: 'bücher.example' }).fields.serverName).toMatch(/xn--/);
    expect(validateForm(nginxInfo, { ...values, serverName: `${'a'.repeat(63)}.`.repeat(5) }).fields.serverName).toMatch(/253/);
  });

  it('reads the core’s refusal into field messages of the right module', () => {
    const details = { module: 'nginx', issues: [{ path: ['httpPort'], message: 'The HTTP port is a number from 1 to 65535.' }, { path: [], message: 'Something about the whole.' }] };
    expect(serverIssues(details, nginxInfo)).toEqual({ fields: { httpPort: 'The HTTP port is a number from 1 to 65535.' }, form: ['Something about the whole.'] });
    expect(serverIssues({ ...details, module: 'docker' }, nginxInfo)).toBeNull();
    expect(serverIssues(undefined, nginxInfo)).toBeNull();
  });

  it('starts from stored settings only when every host agrees', () => {
    const a = [{ module: 'nginx', settings: { tls: 'self-signed' } }];
    const b = [{ module: 'nginx', settings: { tls: 'acme' } }];
    expect(commonStored([a, a], 'nginx')).toEqual({ tls: 'self-signed' });
    expect(commonStored([a, b], 'nginx')).toBeNull();
    expect(commonStored([a, []], 'nginx')).toBeNull();
    expect(commonStored([a, undefined], 'nginx')).toBeNull();
  });
});
