import { describe, expect, it } from 'vitest';
import { decideNextStep, hostKeyFileFor } from './connect-decision.js';

const none = { password: false, sudoPassword: false };

describe('decideNextStep', () => {
  it('asks to verify a new host key with its fingerprint', () => {
    const details = { hostName: '[10.0.0.5]:22', keyType: 'ssh-ed25519', fingerprint: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU' };
    expect(decideNextStep({ problem: 'unknown-hostkey', message: 'm', details }, 'agent', none)).toEqual({ kind: 'verify-hostkey', key: details });
  });

  it('reports a new host key without usable details instead of trusting blindly', () => {
    expect(decideNextStep({ problem: 'unknown-hostkey', message: 'm', details: { hostName: 'x' } }, 'agent', none)).toEqual({ kind: 'report' });
  });

  it('stops hard on a changed key, even with broken details', () => {
    const details = { hostName: 'gpu-1', keyType: 'ssh-ed25519', expectedFingerprints: ['SHA256:old', 3], offeredFingerprint: 'SHA256:new' };
    expect(decideNextStep({ problem: 'hostkey-changed', message: 'm', details }, 'agent', none)).toEqual({
      kind: 'hostkey-changed',
      key: { hostName: 'gpu-1', keyType: 'ssh-ed25519', expectedFingerprints: ['SHA256:old'], offeredFingerprint: 'SHA256:new' },
    });
    expect(decideNextStep({ problem: 'hostkey-changed', message: 'm' }, 'agent', none).kind).toBe('hostkey-changed');
  });

  it('asks for a password only for password-style hosts', () => {
    const p = { problem: 'authentication-failed' as const, message: 'm' };
    expect(decideNextStep(p, 'password', none)).toEqual({ kind: 'ask-password', purpose: 'login', retry: false });
    expect(decideNextStep(p, 'keyboard-interactive', { password: true, sudoPassword: false })).toEqual({ kind: 'ask-password', purpose: 'login', retry: true });
    expect(decideNextStep(p, 'key', none)).toEqual({ kind: 'report' });
  });

  it('asks for the sudo password', () => {
    expect(decideNextStep({ problem: 'sudo-required', message: 'm' }, 'agent', none)).toEqual({ kind: 'ask-password', purpose: 'sudo', retry: false });
  });

  it('reports everything else', () => {
    expect(decideNextStep({ problem: 'timeout', message: 'm' }, 'password', none)).toEqual({ kind: 'report' });
  });
});

describe('hostKeyFileFor', () => {
  it('names the key file for the key type', () => {
    expect(hostKeyFileFor('ssh-ed25519')).toBe('/etc/ssh/ssh_host_ed25519_key.pub');
    expect(hostKeyFileFor('ecdsa-sha2-nistp256')).toBe('/etc/ssh/ssh_host_ecdsa_key.pub');
    expect(hostKeyFileFor('rsa-sha2-512')).toBe('/etc/ssh/ssh_host_rsa_key.pub');
    expect(hostKeyFileFor('ssh-rsa')).toBe('/etc/ssh/ssh_host_rsa_key.pub');
    expect(hostKeyFileFor('weird')).toBe('/etc/ssh/ssh_host_ed25519_key.pub');
  });

  it('asks for a key passphrase when the core says so', () => {
    const p = { problem: 'authentication-failed' as const, message: 'm', details: { needs: 'passphrase' } };
    expect(decideNextStep(p, 'key', none)).toEqual({ kind: 'ask-password', purpose: 'passphrase', retry: false });
    expect(decideNextStep(p, 'key', { ...none, passphrase: true })).toEqual({ kind: 'ask-password', purpose: 'passphrase', retry: true });
  });
});
