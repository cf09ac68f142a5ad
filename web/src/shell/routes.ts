import type { ComponentType } from 'react';
import type { MessageKey } from '../i18n/messages';
import { CollectorPage } from '../pages/collector/collector-page';
import { SelectionPage } from '../pages/selection/selection-page';
import { TransparencyPage } from '../pages/transparency/transparency-page';
import { DetectionsPage } from '../pages/detections/detections-page';
import { HubPage } from '../pages/hub/hub-page';

export interface RouteDef {
  /** Hash path, '#/<path>'. */
  path: string;
  labelKey: MessageKey;
  Page: ComponentType;
}

/**
 * The navigation, in data-path order (exports → decode → select/erase → log → detect → act).
 * Pages to come, each one entry here: detection, cases.
 */
export const ROUTES: readonly RouteDef[] = [
  { path: 'collector', labelKey: 'nav.collector', Page: CollectorPage },
  { path: 'selection', labelKey: 'nav.selection', Page: SelectionPage },
  { path: 'transparency', labelKey: 'nav.transparency', Page: TransparencyPage },
  { path: 'detections', labelKey: 'nav.detections', Page: DetectionsPage },
  // On an instance that is not a hub the page says so (the hub API answers 404).
  { path: 'hub', labelKey: 'nav.hub', Page: HubPage },
];

export const DEFAULT_ROUTE = ROUTES[0];
