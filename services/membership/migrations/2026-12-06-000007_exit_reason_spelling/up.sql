-- X-02: a dissolution's exit reason is spelled `dissolution` (as the rule catalogue names it).
UPDATE memberships SET exit_reason = 'dissolution' WHERE exit_reason = 'group_dissolved';
