/**
 * What each recorded `nvidia-smi -q -x` sample (test/fixtures/shared/nvidia-smi/xml) holds, read
 * off the files by hand: GPUs (clocks, utilisation, memory) and who holds GPU memory. Shared by
 * the GPU sample and attribution tests.
 */
export const MiB = 1024 * 1024;

export const NVIDIA_XML_EXPECTED: Record<string, { gpus: Array<{ sm: number; mem: number; util: number; usedMiB: number; totalMiB: number }>; processes: Record<number, { MiB: number; gpus: number[]; name: string }> }> = {
  'a10g-drv515-1proc.xml': { gpus: [{ sm: 210, mem: 405, util: 0, usedMiB: 22, totalMiB: 23028 }], processes: { 725: { MiB: 22, gpus: [0], name: '/usr/lib/xorg/Xorg' } } },
  'dual-gtx1070-drv384-4procs.xml': {
    gpus: [{ sm: 1923, mem: 3802, util: 100, usedMiB: 2028, totalMiB: 8112 }, { sm: 1936, mem: 3802, util: 98, usedMiB: 4057, totalMiB: 8114 }],
    // ethminer (3093) has a context on both GPUs: listed twice by nvidia-smi, once here with both.
    processes: { 1357: { MiB: 99, gpus: [0], name: '/usr/lib/xorg/Xorg' }, 2384: { MiB: 79, gpus: [0], name: '/usr/bin/gnome-shell' }, 3093: { MiB: 2 * 2283, gpus: [0, 1], name: './ethminer' } },
  },
  'dual-rtx2080-drv590-v13.xml': { gpus: [{ sm: 300, mem: 405, util: 0, usedMiB: 1, totalMiB: 8192 }, { sm: 300, mem: 405, util: 0, usedMiB: 1, totalMiB: 8192 }], processes: {} },
  'dual-rtx2080ti-drv410-ecc-na.xml': { gpus: [{ sm: 300, mem: 405, util: 0, usedMiB: 0, totalMiB: 10989 }, { sm: 300, mem: 405, util: 0, usedMiB: 0, totalMiB: 10989 }], processes: {} },
  'quadro-p400-drv418.xml': { gpus: [{ sm: 139, mem: 405, util: 0, usedMiB: 0, totalMiB: 1998 }], processes: {} },
  'rtx3060-drv570.xml': { gpus: [{ sm: 210, mem: 405, util: 0, usedMiB: 116, totalMiB: 12288 }], processes: {} },
  'rtx3080-drv536-5procs.xml': {
    gpus: [{ sm: 210, mem: 405, util: 0, usedMiB: 1128, totalMiB: 10240 }],
    processes: {
      835: { MiB: 550, gpus: [0], name: '/usr/lib/Xorg' }, 1481: { MiB: 18, gpus: [0], name: '/usr/bin/gnome-shell' }, 2214: { MiB: 79, gpus: [0], name: '/opt/microsoft/msedge/msedge' },
      4044: { MiB: 541, gpus: [0], name: '/usr/lib/firefox/firefox' }, 42416: { MiB: 159, gpus: [0], name: '/opt/visual-studio-code/code' },
    },
  },
  'rtx3080-drv595-v13.xml': { gpus: [{ sm: 1950, mem: 9251, util: 65, usedMiB: 9184, totalMiB: 10240 }], processes: {} },
  'tesla-t4-drv515-2procs.xml': { gpus: [{ sm: 585, mem: 5000, util: 0, usedMiB: 1032, totalMiB: 15360 }], processes: { 675: { MiB: 22, gpus: [0], name: '/usr/lib/xorg/Xorg' }, 5762: { MiB: 1005, gpus: [0], name: 'python' } } },
};
