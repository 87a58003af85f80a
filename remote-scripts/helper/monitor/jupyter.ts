/**
 * Recognising Jupyter kernels from their command line. On shared GPU boxes an idle notebook kernel
 * that still holds GPU memory is the commonest "who is using GPU 3?" answer, so kernels get their
 * own kind instead of hiding among other python processes.
 */

const basename = (arg: string | undefined): string => (arg ?? '').slice((arg ?? '').lastIndexOf('/') + 1);

/** Jupyter starts kernels with sys.executable: python, python3.11, pypy3 (any install prefix). */
const PYTHON = /^(python|pypy)[\d.]*$/;

function isPythonKernel(argv: readonly string[]): boolean {
  const m = argv.indexOf('-m');
  if (m > 0) return argv[m + 1] === 'ipykernel_launcher' || argv[m + 1] === 'ipykernel';
  // Script form: `python /…/ipykernel_launcher.py -f …`, `python /usr/bin/jupyter-kernel`, `python /usr/bin/jupyter kernel`.
  const s = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  if (s < 0) return false;
  const script = basename(argv[s]);
  return script === 'ipykernel_launcher.py' || script === 'jupyter-kernel' || (script === 'jupyter' && argv[s + 1] === 'kernel');
}

/**
 * The argv shapes of the kernels people run: ipykernel (`python -m ipykernel_launcher -f …`, the
 * older `python -m ipykernel`), `jupyter kernel` / `jupyter-kernel`, IRkernel and IJulia. The
 * interpreter has to come first, so `grep ipykernel_launcher` is not a kernel.
 */
export function isJupyterKernel(argv: readonly string[]): boolean {
  const exe = basename(argv[0]);
  if (PYTHON.test(exe)) return isPythonKernel(argv);
  if (exe === 'jupyter-kernel' || (exe === 'jupyter' && argv[1] === 'kernel')) return true;
  if (/^R(exec)?$/.test(exe)) return argv.some((a) => a.includes('IRkernel::main()'));
  if (/^julia/.test(exe)) return argv.some((a) => /IJulia\/([^/]+\/)?src\/kernel\.jl$/.test(a));
  return false;
}
