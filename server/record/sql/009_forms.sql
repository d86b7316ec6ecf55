-- Issue 13: configurable forms and proactive invitations. Per department, as an admin set them
-- (canonical JSON, checked by core/chat_form and core/invitation_rule before it is stored; ''
-- is none, or the default survey): the pre-chat form's fields, the post-chat survey and the
-- rules that invite visitors on the site.
ALTER TABLE departments
  ADD COLUMN pre_chat_form text NOT NULL DEFAULT '',
  ADD COLUMN survey text NOT NULL DEFAULT '',
  ADD COLUMN invitation_rules text NOT NULL DEFAULT '';

-- With each conversation: the pre-chat form's answers (each with the label the visitor read, so
-- a consent keeps the text agreed to), the scale its rating was given on, and the survey's
-- other answers. Anonymising clears both lists.
ALTER TABLE conversations
  ADD COLUMN form jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN rating_scale smallint NOT NULL DEFAULT 5 CHECK (rating_scale IN (2, 3, 5, 10)),
  ADD COLUMN survey_answers jsonb NOT NULL DEFAULT '[]';
