use super::*;

/// A deterministic jitter in [-0.5, 0.5) (splitmix64 of the cell).
fn jitter(i: usize, j: usize) -> f64 {
    let mut z = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (j as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

fn blobs(centres: &[[f64; 3]], per: usize) -> FeatureTable {
    let mut values = Vec::new();
    let mut ids = Vec::new();
    for (c, centre) in centres.iter().enumerate() {
        for i in 0..per {
            ids.push(format!("S{c}{i:03}"));
            values.push((0..3).map(|j| Some(centre[j] + jitter(c * per + i, j))).collect());
        }
    }
    FeatureTable { ids, features: FEATURES[..3].to_vec(), values }
}

#[test]
fn silhouette_recovers_three_separated_blobs() {
    let t = blobs(&[[0.0, 0.0, 0.0], [10.0, 0.0, 5.0], [0.0, 10.0, 10.0]], 60);
    let r = cluster(&t, &TypologyOptions::default()).expect("clusters");
    assert_eq!(r.k, 3, "criterion: {:?}", r.criterion);
    assert_eq!(r.chosen_by, "silhouette");
    assert_eq!(r.criterion.iter().map(|c| c.k).collect::<Vec<_>>(), (2..=8).collect::<Vec<_>>());
    let best = r.criterion.iter().find(|c| c.k == 3).unwrap();
    assert!(r.criterion.iter().all(|c| c.silhouette <= best.silhouette));
    assert!(best.silhouette > 0.8, "{best:?}");
    // Inertia falls as k grows.
    assert!(r.criterion[0].inertia > best.inertia);
    assert_eq!(r.clusters.iter().map(|c| c.size).collect::<Vec<_>>(), [60, 60, 60]);
    // Each blob is one cluster.
    for b in 0..3 {
        let ids: std::collections::BTreeSet<usize> =
            r.students[b * 60..(b + 1) * 60].iter().map(|a| a.cluster).collect();
        assert_eq!(ids.len(), 1);
    }
    // Deterministic.
    let again = cluster(&t, &TypologyOptions::default()).unwrap();
    let a: Vec<usize> = r.students.iter().map(|x| x.cluster).collect();
    let b: Vec<usize> = again.students.iter().map(|x| x.cluster).collect();
    assert_eq!(a, b);
    assert_eq!(r.criterion, again.criterion);
}

#[test]
fn a_given_k_is_used() {
    let t = blobs(&[[0.0, 0.0, 0.0], [10.0, 0.0, 5.0], [0.0, 10.0, 10.0]], 30);
    let r = cluster(&t, &TypologyOptions { k: Some(2), ..TypologyOptions::default() }).unwrap();
    assert_eq!((r.k, r.chosen_by.as_str(), r.criterion.len()), (2, "given", 1));
}

#[test]
fn descriptions_name_the_dominant_feature() {
    let mut z = vec![0.1; FEATURES.len()];
    let night = FEATURES.iter().position(|f| f.source == "night_online_hours").unwrap();
    let late = FEATURES.iter().position(|f| f.source == "late_returns").unwrap();
    z[night] = 2.1;
    z[late] = 1.2;
    let (le, lz, de, dz) = describe(&FEATURES, &z);
    assert!(le.starts_with("Night owl") && le.contains("heavy night-time internet use"), "{le}");
    assert!(le.contains("frequent late returns"), "{le}");
    assert!(lz.contains("深夜上网多") && lz.starts_with("夜猫子型"), "{lz}");
    assert!(de.contains("z +2.1") && dz.contains("经常晚归"), "{de} / {dz}");

    let mut z = vec![0.0; FEATURES.len()];
    let lib = FEATURES.iter().position(|f| f.source == "library_visits").unwrap();
    let wake = FEATURES.iter().position(|f| f.source == "wake_up_minutes").unwrap();
    z[lib] = 1.5;
    z[wake] = -0.9;
    let (le, lz, _, _) = describe(&FEATURES, &z);
    assert_eq!(le, "Studious: frequent library visits, early riser");
    assert_eq!(lz, "学习型：常去图书馆、早起");

    let (le, _, _, _) = describe(&FEATURES, &[0.2; 11]);
    assert!(le.starts_with("Typical"), "{le}");
}

#[test]
fn clusters_are_described_from_their_centroids() {
    // Blob 1 has many library visits (feature 7), blob 0 many night hours online (6).
    let mut values = Vec::new();
    let mut ids = Vec::new();
    for i in 0..80 {
        // Background noise shared by each even/odd pair, so it does not follow the split.
        let mut row: Vec<Option<f64>> = (0..FEATURES.len()).map(|j| Some(1.0 + 0.2 * jitter(i / 2, j))).collect();
        row[10] = None; // missing no-trace share: imputed
        if i % 2 == 0 {
            row[6] = Some(9.0 + jitter(i, 1));
        } else {
            row[7] = Some(6.0 + jitter(i, 2));
        }
        row[9] = None; // no activity at all: dropped
        if i > 0 {
            row[10] = Some(0.1);
        }
        ids.push(format!("S{i:03}"));
        values.push(row);
    }
    for r in &mut values {
        r[9] = None;
    }
    let t = FeatureTable { ids, features: FEATURES.to_vec(), values };
    let r = cluster(&t, &TypologyOptions { k: Some(2), ..TypologyOptions::default() }).unwrap();
    assert!(r.notes.iter().any(|n| n.starts_with("activity_hours_per_week") && n.contains("dropped")), "{:?}", r.notes);
    assert!(r.notes.iter().any(|n| n.starts_with("no_trace_share") && n.contains("imputed")), "{:?}", r.notes);
    assert!(!r.features.contains(&"activity_hours_per_week".to_string()));
    let labels: Vec<&str> = r.clusters.iter().map(|c| c.label_en.as_str()).collect();
    assert!(labels.iter().any(|l| l.contains("night-time internet")), "{labels:?}");
    assert!(labels.iter().any(|l| l.contains("library")), "{labels:?}");
    for c in &r.clusters {
        assert_eq!(c.size, 40);
        assert!(c.description_en.contains("40 students (50.0%)"), "{}", c.description_en);
        let night = c.centroid.iter().find(|v| v.feature == "night_online_hours_per_week").unwrap();
        assert!(night.raw > 4.0 || night.raw < 2.0);
    }
}

#[test]
fn feature_sources_match_the_features() {
    let s: Vec<&str> = FEATURES.iter().map(|f| f.source).collect();
    assert_eq!(s, FEATURE_SOURCES);
    for f in FEATURE_SOURCES {
        assert!(!crate::models::analysis::PROTECTED.contains(&f));
    }
}

#[test]
fn silhouette_sample_is_deterministic_and_bounded() {
    assert_eq!(sample_rows(5, 10), vec![0, 1, 2, 3, 4]);
    let s = sample_rows(10_000, 2_000);
    assert_eq!(s.len(), 2_000);
    assert_eq!(s[1], 5);
}
