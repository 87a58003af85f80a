import { describe, expect, it } from 'vitest';
import { isJupyterKernel } from './jupyter.js';

describe('isJupyterKernel', () => {
  it.each([
    ['/opt/conda/bin/python', '-m', 'ipykernel_launcher', '-f', '/home/alice/.local/share/jupyter/runtime/kernel-1b2c.json'],
    ['/usr/bin/python3.11', '-Xfrozen_modules=off', '-m', 'ipykernel_launcher', '-f', '/tmp/k.json'],
    ['python', '-m', 'ipykernel', '-f', '/tmp/k.json'],
    ['/home/bob/venv/bin/python', '/home/bob/venv/lib/python3.10/site-packages/ipykernel_launcher.py', '-f', '/tmp/k.json'],
    ['/usr/bin/python3', '/usr/local/bin/jupyter-kernel', '--kernel=python3'],
    ['/usr/bin/python3', '/usr/local/bin/jupyter', 'kernel', '--kernel=python3'],
    ['jupyter-kernel', '--kernel=ir'],
    ['/usr/lib/R/bin/exec/R', '--slave', '-e', 'IRkernel::main()', '--args', '/tmp/k.json'],
    ['/usr/bin/julia', '-i', '--color=yes', '/home/c/.julia/packages/IJulia/abc/src/kernel.jl', '/tmp/k.json'],
  ])('recognises %s …', (...argv) => {
    expect(isJupyterKernel(argv)).toBe(true);
  });

  it.each([
    ['grep', 'ipykernel_launcher'],
    ['/usr/bin/python3', '/usr/local/bin/jupyter-lab', '--no-browser'],
    ['/usr/bin/python3', '-m', 'jupyter', 'notebook'],
    ['python', 'train.py', '--ipykernel_launcher'],
    ['bash'],
    [],
  ])('does not take %s … for a kernel', (...argv) => {
    expect(isJupyterKernel(argv)).toBe(false);
  });
});
