UPDATE memberships SET exit_reason = 'group_dissolved' WHERE exit_reason = 'dissolution';
