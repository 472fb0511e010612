/** Starting the example project's recipe from any view: reopen the example (cheap), queue its recipe, show the run. */
import { computed, ref } from 'vue';
import { useRouter } from 'vue-router';
import { useProjectsStore } from '../stores/projects';
import { useRunsStore } from '../stores/runs';

/** Whether the open project is the example, and a function that trains its recipe. */
export function useExampleRun() {
  const projects = useProjectsStore();
  const runs = useRunsStore();
  const router = useRouter();
  const starting = ref(false);
  const isExample = computed(() => projects.current?.folder.replace(/\\/g, '/').endsWith('/example-project') ?? false);

  async function startExample() {
    starting.value = true;
    try {
      const ex = await projects.openExample();
      if (!ex) return;
      await runs.load(ex.project.folder);
      const r = await runs.start({ recipe: ex.recipe });
      if (r) await router.push(`/runs/${r.runIds[0]}`);
    } finally {
      starting.value = false;
    }
  }
  return { isExample, starting, startExample };
}
