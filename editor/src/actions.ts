/** Small user-facing wrappers shared by the toolbar and the keyboard. */
import { autoArrange } from './layout/layout';
import { toast } from './state/toasts';

export async function arrangeWithToast(): Promise<void> {
  try {
    await autoArrange();
    window.dispatchEvent(new CustomEvent('mysti:fit'));
  } catch (e) {
    toast((e as Error).message, 'error');
  }
}
