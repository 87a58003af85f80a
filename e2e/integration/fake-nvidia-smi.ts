import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DebianHost } from '../testbed/index.js';

/**
 * No GPU on this machine: a fake `nvidia-smi` on a test host replays a real recorded sample
 * (test/fixtures/shared/nvidia-smi/xml), so the whole path — helper, protocol, core, UI — runs
 * on real data. Only `-q -x` is answered; anything else fails loudly.
 */
const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/shared/nvidia-smi/xml');

export async function installFakeNvidiaSmi(host: DebianHost, sample: string): Promise<void> {
  const xml = readFileSync(path.join(fixtures, sample), 'utf8');
  await host.exec(['sh', '-c', 'mkdir -p /usr/local/share/fleetdeck-test && cat > /usr/local/share/fleetdeck-test/nvidia-smi.xml'], { input: xml });
  const script = [
    '#!/bin/sh',
    '# Fleetdeck test double: replays a recorded real nvidia-smi -q -x sample.',
    'if [ "$*" = "-q -x" ]; then exec cat /usr/local/share/fleetdeck-test/nvidia-smi.xml; fi',
    'echo "fake nvidia-smi: only -q -x is recorded (got: $*)" >&2',
    'exit 2',
    '',
  ].join('\n');
  await host.exec(['sh', '-c', 'cat > /usr/local/bin/nvidia-smi && chmod 755 /usr/local/bin/nvidia-smi'], { input: script });
}

export async function removeFakeNvidiaSmi(host: DebianHost): Promise<void> {
  await host.exec(['rm', '-rf', '/usr/local/bin/nvidia-smi', '/usr/local/share/fleetdeck-test']);
}
