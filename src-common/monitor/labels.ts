/**
 * Container labels Fleetdeck reads and writes. Kept in a module without zod so the helper can
 * import them without pulling zod into its bundle.
 */
/** Marks a container's owner (set by Fleetdeck; honoured on any container). */
export const OWNER_LABEL = 'fleetdeck.owner';
/** Marks containers Fleetdeck started itself. */
export const MANAGED_LABEL = 'fleetdeck.managed';
