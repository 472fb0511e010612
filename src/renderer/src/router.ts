/** Routes of the studio. Hash history works for file:// (Electron) and `attune serve` alike. */
import { createRouter, createWebHashHistory } from 'vue-router';
import StartView from './views/StartView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'start', component: StartView },
    { path: '/setup', name: 'setup', component: () => import('./views/SetupView.vue') },
    { path: '/project', redirect: '/data' },
    { path: '/data', name: 'data', component: () => import('./views/DataView.vue') },
    { path: '/runs/:id?', name: 'runs', component: () => import('./views/RunsView.vue') },
    { path: '/compare', name: 'compare', component: () => import('./views/CompareView.vue') },
    { path: '/models', name: 'models', component: () => import('./views/ModelsView.vue') },
    { path: '/system', name: 'system', component: () => import('./views/SystemView.vue') },
  ],
});
