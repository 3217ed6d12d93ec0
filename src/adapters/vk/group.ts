/** The community behind the token (`groups.getById` without ids answers with the token's own). */
import type { VkApi } from './api.js';

export interface VkGroup {
  id: number;
  name?: string;
  screen_name?: string;
}

export async function fetchGroup(api: VkApi, groupId?: number): Promise<VkGroup> {
  const response = await api.call<VkGroup[] | { groups?: VkGroup[] }>('groups.getById', groupId ? { group_id: groupId } : {});
  // API 5.199 answers {groups: [...]}; older versions a bare array.
  const group = Array.isArray(response) ? response[0] : response.groups?.[0];
  if (!group?.id) throw new Error('groups.getById did not name a community: is VK_TOKEN a community token?');
  return group;
}

/** "@shop (club123)" for the status line. */
export function describeGroup(group: VkGroup): string {
  return group.screen_name ? `@${group.screen_name} (club${group.id})` : `club${group.id}`;
}
