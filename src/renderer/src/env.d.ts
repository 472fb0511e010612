/// <reference types="vite/client" />
import type { AttuneClient } from '../../shared/api';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare global {
  interface Window {
    /** The typed contract, exposed by the Electron preload (absent in `attune serve`). */
    attune?: AttuneClient;
  }
}
