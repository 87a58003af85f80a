import * as z from 'zod/mini';
import { list, MAX, text } from '../protocol/bounds.js';

/** The change vocabulary's smallest parts (resource.schema.ts re-exports them). */

/** An absolute path without "..", NUL or newlines. */
export const absPath = () => z.string().check(z.maxLength(MAX.text), z.regex(/^\/[^\0\n\r]*$/), z.refine((p) => !p.split('/').includes('..'), 'no ".." in paths'));
/**
 * argv[0] is a program name or absolute path; never a shell string built from input. An element
 * may be a fixed inline script of Fleetdeck's own (`/bin/sh -c SCRIPT NAME ARGS`): up to 16 KiB.
 */
export const argv = () => list(text(16 * 1024), 256).check(z.minLength(1));
/** Unix account or group names, as useradd takes them. */
export const account = () => z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/));
/** systemd unit or openrc service names. */
export const unitName = () => z.string().check(z.regex(/^[A-Za-z0-9@_][A-Za-z0-9@_.:-]{0,199}$/));
