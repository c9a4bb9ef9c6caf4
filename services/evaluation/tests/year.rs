//! The bureau's data of a school year through the bus: bounds refused with the field they
//! concern, the dimensions scored by hand (V-01), and an import stored all-or-none with
//! every refused row named.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{YEAR, balance, day, env, refused};
use edu_contracts::evaluation::{
    Dimension, GetSchoolData, SaveScoredItems, SchoolDataInput, SchoolDataRef, ScoredItem,
    ScoredItemsInput,
};
use edu_contracts::evaluation_year::{
    GetScoredItems, ImportSchoolData, ImportedRow, SchoolDataImport, ScoredItemsRef,
};
use edu_domain::{ErrorCode, SchoolId, Stage};

fn item(dimension: Dimension, score: f64) -> ScoredItem {
    ScoredItem {
        dimension,
        score,
        evidence: "联盟型章程与挂牌材料".into(),
    }
}

#[tokio::test]
async fn school_data_and_scored_items_are_bounded_and_read_back() {
    let env = env().await;
    let g = env.group("数据", Stage::Junior, day(2024, 9, 1), &[]).await;
    let p = refused(
        env.save_data(g.lead, Stage::Junior, YEAR, Some(120.0), None)
            .await,
        ErrorCode::ValidationFailed,
        None,
    );
    assert_eq!(p.details["field"], "quality_score");
    let p = refused(
        env.save_data(g.lead, Stage::Junior, YEAR, None, Some(balance(0, 10)))
            .await,
        ErrorCode::ValidationFailed,
        None,
    );
    assert_eq!(p.details["field"], "balance.enrolment");
    // nothing was stored by the refusals
    let data_ref = SchoolDataRef {
        school_id: g.lead,
        school_year: YEAR,
    };
    refused(
        env.bus()
            .call::<GetSchoolData>(&env.bureau, None, data_ref.clone())
            .await,
        ErrorCode::NotFound,
        None,
    );
    // the last entry counts
    env.save_data(g.lead, Stage::Junior, YEAR, Some(70.0), None)
        .await
        .unwrap();
    env.save_data(g.lead, Stage::Junior, YEAR, Some(81.5), None)
        .await
        .unwrap();
    let data = env
        .bus()
        .call::<GetSchoolData>(&env.bureau, None, data_ref)
        .await
        .unwrap();
    assert_eq!(data.quality_score, Some(81.5));
    assert_eq!(data.entered_by, "bureau-411627");

    // V-01: teacher team is computed from the records, not scored by hand; a dimension once
    let save = |items| ScoredItemsInput {
        group_id: g.id,
        school_year: YEAR,
        items,
    };
    let computed = save(vec![item(Dimension::TeacherTeam, 80.0)]);
    let p = refused(
        env.bus()
            .call::<SaveScoredItems>(&env.bureau, None, computed)
            .await,
        ErrorCode::ValidationFailed,
        None,
    );
    assert_eq!(p.details["field"], "items.dimension");
    let twice = save(vec![
        item(Dimension::GroupModel, 80.0),
        item(Dimension::GroupModel, 90.0),
    ]);
    refused(
        env.bus()
            .call::<SaveScoredItems>(&env.bureau, None, twice)
            .await,
        ErrorCode::ValidationFailed,
        None,
    );
    let unknown = ScoredItemsInput {
        group_id: edu_domain::GroupId::new(),
        ..save(vec![item(Dimension::GroupModel, 80.0)])
    };
    refused(
        env.bus()
            .call::<SaveScoredItems>(&env.bureau, None, unknown)
            .await,
        ErrorCode::NotFound,
        None,
    );
    let one = save(vec![item(Dimension::GroupModel, 80.0)]);
    env.bus()
        .call::<SaveScoredItems>(&env.bureau, None, one)
        .await
        .unwrap();
    let read = env
        .bus()
        .call::<GetScoredItems>(
            &env.bureau,
            None,
            ScoredItemsRef {
                group_id: g.id,
                school_year: YEAR,
            },
        )
        .await
        .unwrap();
    assert_eq!(read.items, vec![item(Dimension::GroupModel, 80.0)]);
}

/// An import with a school twice and a score out of bounds stores nothing and names both
/// rows by line and column; the corrected sheet stores every row.
#[tokio::test]
async fn an_import_is_all_or_none_with_its_row_errors() {
    let env = env().await;
    let one = env.school("导入一中", Stage::Junior).await;
    let two = env.school("导入二中", Stage::Junior).await;
    let row = |line, school: SchoolId, score| ImportedRow {
        line,
        data: SchoolDataInput {
            school_id: school,
            region: common::region(),
            stage: Stage::Junior,
            school_year: YEAR,
            quality_score: Some(score),
            balance: None,
        },
    };
    let import = |rows| SchoolDataImport {
        region: common::region(),
        school_year: YEAR,
        rows,
    };
    let bad = import(vec![
        row(2, one, 81.5),
        row(3, one, 70.0),
        row(4, two, 120.0),
    ]);
    let p = refused(
        env.bus()
            .call::<ImportSchoolData>(&env.bureau, None, bad)
            .await,
        ErrorCode::XlsxInvalid,
        None,
    );
    let rows: Vec<(u64, &str)> = p.details["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, vec![(3, "学校"), (4, "质量得分")]);
    let data_ref = SchoolDataRef {
        school_id: one,
        school_year: YEAR,
    };
    refused(
        env.bus()
            .call::<GetSchoolData>(&env.bureau, None, data_ref.clone())
            .await,
        ErrorCode::NotFound,
        None,
    );

    let good = import(vec![row(2, one, 81.5), row(3, two, 70.0)]);
    let imported = env
        .bus()
        .call::<ImportSchoolData>(&env.bureau, None, good)
        .await
        .unwrap();
    assert_eq!(imported.schools.len(), 2);
    let data = env
        .bus()
        .call::<GetSchoolData>(&env.bureau, None, data_ref)
        .await
        .unwrap();
    assert_eq!(data.quality_score, Some(81.5));
}
