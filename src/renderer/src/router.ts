/** Routes of the studio. Hash history works for file:// (Electron) and `attune serve` alike. */
import { createRouter, createWebHashHistory } from 'vue-router';
import StartView from './views/StartView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'start', component: StartView },
    { path: '/project', name: 'project', component: () => import('./views/ProjectView.vue') },
    { path: '/system', name: 'system', component: () => import('./views/SystemView.vue') },
  ],
});
