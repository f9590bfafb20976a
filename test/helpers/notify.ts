// One notifier run as the `notify` job makes it, with the default group wait and repeat.
import type { Deps } from '../../src/deps.js';
import { DEFAULT_ALERTS, type AlertSettings } from '../../src/notifications/defaults.js';
import { notify } from '../../src/notifications/notify-run.js';

export const notifyNow = (deps: Deps, settings: AlertSettings = DEFAULT_ALERTS) => notify(deps, settings);
