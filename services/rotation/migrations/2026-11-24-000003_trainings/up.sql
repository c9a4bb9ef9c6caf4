-- Trainings and teaching showcases the lead school holds for member staff (E-05, E-06).
CREATE TABLE trainings (
    id                 uuid PRIMARY KEY,
    group_id           uuid        NOT NULL REFERENCES groups_seen (group_id),
    kind               text        NOT NULL,
    title              text        NOT NULL,
    subject            text,
    held_on            date        NOT NULL,
    school_year        integer     NOT NULL,
    semester           text        NOT NULL,
    hours              smallint    NOT NULL CHECK (hours BETWEEN 1 AND 200),
    provider_school_id uuid        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trainings_group_year ON trainings (group_id, school_year);

CREATE TABLE training_participants (
    training_id uuid NOT NULL REFERENCES trainings (id),
    teacher_id  uuid NOT NULL REFERENCES teachers (id),
    PRIMARY KEY (training_id, teacher_id)
);
CREATE INDEX training_participants_teacher ON training_participants (teacher_id);
