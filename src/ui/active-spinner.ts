/**
 * The spinner on screen, if any, so that a run stopped by a signal can take it down first: ora
 * hooks stderr while it spins and would draw itself again after the run's closing line.
 */

let stopActive: (() => void) | undefined;

export function setActiveSpinner(stop: (() => void) | undefined): void {
  stopActive = stop;
}

/** Clears the spinner's line, gives stderr back its own `write` and shows the cursor again. */
export function stopActiveSpinner(): void {
  stopActive?.();
  stopActive = undefined;
}
